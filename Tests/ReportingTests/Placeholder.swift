// Placeholder until this module's tests land; delete when adding real tests.
