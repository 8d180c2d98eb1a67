"""The customer's tracking page (/track) and the per-client limit of the public look-up."""
