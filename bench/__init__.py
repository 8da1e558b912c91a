"""ecokg's benchmark: a synthetic data generator, a query mix and the peers it is compared with.

Run ``python -m bench --help`` from the top of the checkout.  See bench/README.md for results.
"""
