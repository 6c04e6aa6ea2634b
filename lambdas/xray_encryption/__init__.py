"""Custom resource handler that points X-Ray encryption at a customer managed KMS key."""
