"""Pure ``@njit(cache=True)`` kernels: arrays and scalars in, caller-allocated arrays out.

Kernels never raise, never allocate the state they update, and draw no random numbers; the façade
in :mod:`simcore` validates inputs before calling them. One module per physics concern.
"""
