"""DynamoDB adapters: one repository per table, domain objects in and out."""
