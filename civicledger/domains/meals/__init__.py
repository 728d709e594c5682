"""The elder meal service (长者"大配餐", DESIGN §4.4): canteens and delivery points, enrolled elders, meals split
between four payers by an effective-dated rule table, monthly settlement, and food-safety traceability from a
supplier's batch to every elder who ate from it."""
