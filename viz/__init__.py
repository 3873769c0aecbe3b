"""Replay of recorded runs with pygame (reads run directories only)."""
