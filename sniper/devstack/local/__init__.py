"""The whole stack on one machine: local AWS (moto), gateway, scheduler, Postmark sink."""
