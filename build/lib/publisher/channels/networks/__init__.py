"""One module per network, each declaring `NETWORK = Network(...)`; the registry imports every module here.

Adding a network is adding a module here (and its channel class, and their tests): nothing else changes.
A declaration imports no SDK, so importing all of them stays cheap.
"""
