"""The development stack: what runs the product on one machine and never ships to Lambda.

- `local/`: the local stack, standing in for AWS as AWS behaves (moto built from template.yaml,
  the API gateway, the Lambda runtime with AWS's retry timing and killable containers, the
  scheduler, the AWS fault proxy, the Postmark sink, the web app's host);
- `ebaysim/`: the eBay simulator (eBay's contracts, a real proxy-bidding engine, faults);
- `demo/`: the live demonstration `make run` plays through the public API.

The direction of imports is one way: this package may use the deployable code (`sniper.*`),
nothing deployable imports this (tests/unit/test_import_direction.py holds it), and the
functions' build leaves it out (Makefile, build-<Function>).
"""
