"""Speech recognition engines behind one interface (:mod:`voice_guide.engines.base`), and choosing one
(:mod:`voice_guide.engines.loader`). Each engine module is imported only when that engine is chosen."""
