"""In-memory stand-ins for what the services reach outside (the ports in sniper/services/ports):
the stores with DynamoDB's conditions, eBay's reads, the scheduler, the mailer, and a clock that
moves only when told. tests/integration/storage/test_store_contracts.py runs the same checks on
these fakes and on the DynamoDB repositories, so the fakes cannot drift from what they mimic."""
