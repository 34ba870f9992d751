"""The executor's lean I/O: AWS's JSON APIs and plain HTTP over asyncio streams, no aiohttp.

aioboto3 costs ~200 ms of imports (it pulls in aiohttp and all of botocore's machinery) and the
bid executor's cold start is benchmarked. Its handful of AWS calls (DynamoDB, KMS, Secrets
Manager, Lambda invoke) are simple JSON requests, signed here with SigV4 and sent on keep-alive
connections. The clients answer with the same shapes and raise the same botocore `ClientError`
as aioboto3's, so the repositories work with either unchanged.
"""
