// Swagger UI over the API contract; everything is served by the application itself.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // no call to the public validator service: the contract is checked by the build
    validatorUrl: null,
    tryItOutEnabled: true,
    displayOperationId: true,
    defaultModelsExpandDepth: 0
  });
});
