// Placeholder until this module's issue lands; delete when adding real sources.
