"""Thread pools of the numerical libraries, kept from fighting the embedding model's."""

from __future__ import annotations


def one_thread_beside_the_model() -> None:
    """Run scikit-learn's OpenMP and numpy's and scipy's OpenBLAS on one thread each.

    Their worker threads spin for a while after every call, waiting for more work, and on a
    small machine they take the cores the embedding model is about to use. Measured here on two
    cores: one embedding and one search went from 14.5 to 59 ms at the median while the relevance
    judge's trees and matrix products left threads spinning. Their work per question (forty
    candidates, a few hundred vectors) needs no second thread. The model's own pool (torch's
    libgomp) is left as it is.
    """
    from threadpoolctl import ThreadpoolController

    for library in ThreadpoolController().lib_controllers:
        ours = library.internal_api == "openblas" or "scikit_learn" in library.filepath
        if ours and library.num_threads != 1:
            library.set_num_threads(1)
