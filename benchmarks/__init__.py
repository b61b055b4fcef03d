"""Speech benchmark for voice-guide: ``python -m benchmarks.run`` (see BENCHMARKS.md).

Modules: ``voices`` (synthetic speakers and the audio cache), ``corpus`` (what is said, at which question, with what
expected meaning; the tuning/report split), ``noise`` (white noise, babble, coughs, mixing at a given SNR),
``pipelines`` (the guide's pipeline and the baselines, decoding one utterance each), ``probe`` (cold start and peak
RSS, in a fresh process), ``report`` (outcomes, tables, plot), ``run`` (the command line).
"""
