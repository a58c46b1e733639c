-- Rule stock-out: a product slot with nothing left. Opens when a sale leaves the slot at 0 and
-- resolves when a restock (or any event reporting stockAfter > 0) refills it.
-- Every rule returns the subjects for which its condition holds now, one row each:
-- machine_id, product ('' when the rule is about a whole machine), location, severity, summary,
-- details (JSON). Parameters are named (:#name, or :#${properties:key} for a setting).
select s.machine_id,
       s.product,
       s.location,
       'critical' as severity,
       s.product || ' is sold out in ' || s.machine_id || ' (' || s.location || ')' as summary,
       jsonb_build_object('quantity', s.quantity, 'capacity', s.capacity, 'since', s.as_of)::text as details
  from stock s
 where s.quantity = 0
