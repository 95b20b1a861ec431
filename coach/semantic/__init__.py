"""The coach's semantic layer: a local sentence encoder and what is built on its embeddings."""
