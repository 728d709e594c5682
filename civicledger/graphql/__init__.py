"""The GraphQL API: schema, context, per-program types/queries/mutations, dataloaders, permissions.

Resolvers call application services (for commands) and read-model queries (for reads); they never touch the
event store. (This package lives at civicledger/graphql: a top-level `graphql` would shadow graphql-core.)"""
