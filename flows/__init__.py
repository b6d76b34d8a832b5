"""One module per conversation flow; each exposes `build(deps) -> Flow`."""
