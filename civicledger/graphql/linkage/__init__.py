"""Three-society linkage over GraphQL: needs, referrals, tasks, meetings, organisations, queues, dashboards."""
