"""Back-ends that run a scoring plan: each prepares an executor from the plan and runs batches of records."""
