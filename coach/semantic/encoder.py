"""The sentence encoder all-MiniLM-L6-v2, run without torch: the model's own `tokenizers`
tokenizer, its weights read from the safetensors file into numpy, and a plain float32 BERT forward
pass (6 layers, 12 heads, erf GELU), mean pooling over the attention mask and L2 normalisation,
as sentence-transformers does for this model. Owns loading a model folder and `encode`;
where the folder comes from is models.lookup's business (`load_encoder` joins the two).
The safetensors reader is weights.py; erf, GELU, LayerNorm and a layer's weights are bert_ops.py.

Everything stays float32. NumPy 2 pitfall: a numpy float64 *scalar* (np.sqrt(...), np.pi...)
in an expression upcasts a float32 array to float64, so constants here are Python floats
(weak under NEP 50) or np.float32.

BLAS is pinned to one thread while encoding: on a 2-core laptop two OpenBLAS threads made
p90 160-340 ms a line instead of ~15 ms (tiny matrices, thread wake-ups), and the encoder runs
on the live-coach thread beside ASR workers that need the other core.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from coach.semantic.bert_ops import Layer, col, gelu, layer_norm
from coach.semantic.weights import load_weights
from models.errors import EncoderMissing, ModelError, rules_only
from models.loaded import LoadedOnce, load_async
from models.lookup import find_encoder

MODEL_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
ST_CONFIG_FILE = "sentence_bert_config.json"  # sentence-transformers' max_seq_length
REQUIRED_FILES = (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)
DEFAULT_MAX_TOKENS = 256  # this model's sentence_bert_config.json value
DIMENSIONS = 384
BATCH = 32  # texts per forward pass in `encode`; sorted by length so padding stays small

# OpenBLAS' thread count is process-wide: one lock so that two encoders (or two threads)
# never restore each other's limit out of order.
_blas_lock = threading.Lock()


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(
            f"The sentence encoder file {path} cannot be read ({e}): reinstall the encoder "
            "with `python main.py models install all-MiniLM-L6-v2`."
        ) from e
    if not isinstance(value, dict):
        raise ModelError(f"The sentence encoder file {path} is not a JSON object: reinstall it.")
    return value


class SentenceEncoder:
    """all-MiniLM-L6-v2 in numpy. Thread-safe; `encode` pins BLAS to one thread while it runs."""

    def __init__(
        self,
        weights: dict[str, np.ndarray],
        config: dict,
        tokenizer: object,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        path: Path | None = None,
    ) -> None:
        try:
            hidden = int(config["hidden_size"])
            self.heads = int(config["num_attention_heads"])
            n_layers = int(config["num_hidden_layers"])
            self.eps = np.float32(config.get("layer_norm_eps", 1e-12))
            if config.get("hidden_act", "gelu") != "gelu":
                raise ValueError(f"hidden_act {config['hidden_act']!r} is not supported")
            self.head_dim = hidden // self.heads
            # The 30,522-row vocabulary is 2/3 of the weights but a line reads ~25 rows of it:
            # it stays in the file (memory-mapped) and `_word_rows` reads the rows a line needs.
            self.word = weights.table("embeddings.word_embeddings.weight")
            self.pos = weights["embeddings.position_embeddings.weight"]
            # Every token has type 0 for a single sentence: add its row once, with positions.
            self.pos_type = self.pos + weights["embeddings.token_type_embeddings.weight"][0]
            self.emb_ln_g = col(weights["embeddings.LayerNorm.weight"])
            self.emb_ln_b = col(weights["embeddings.LayerNorm.bias"])
            self.layers = [Layer(weights, i, self.head_dim) for i in range(n_layers)]
        except (KeyError, ValueError, TypeError) as e:
            raise ModelError(
                f"The sentence encoder at {path or 'the given folder'} is not a BERT model "
                f"this app can run ({type(e).__name__}: {e}): reinstall it with "
                "`python main.py models install all-MiniLM-L6-v2`."
            ) from e
        if any(a.dtype != np.float32 for a in (self.pos, self.emb_ln_g)):
            raise ModelError(f"The sentence encoder at {path} is not float32: reinstall it.")
        self.dim = hidden
        self.max_tokens = min(max_tokens, self.pos.shape[0])
        self.path = path
        self._tokenizer = tokenizer
        self._tok_lock = threading.Lock()  # a tokenizers.Tokenizer is not documented thread-safe
        from threadpoolctl import ThreadpoolController

        # Built once: inspecting the loaded BLAS libraries costs milliseconds per call.
        self._threadpools = ThreadpoolController()

    @classmethod
    def load(cls, path: str | Path) -> SentenceEncoder:
        """Load the encoder from a model folder; ModelError (one sentence) if it is unusable."""
        path = Path(path).expanduser()
        missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
        if missing:
            raise ModelError(
                f"The sentence encoder at {path} is incomplete ({', '.join(missing)} missing): "
                "install it with `python main.py models install all-MiniLM-L6-v2`."
            )
        config = _read_json(path / CONFIG_FILE)
        max_tokens = DEFAULT_MAX_TOKENS
        if (path / ST_CONFIG_FILE).is_file():
            max_tokens = int(_read_json(path / ST_CONFIG_FILE).get("max_seq_length", max_tokens))
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(path / TOKENIZER_FILE))
        except Exception as e:  # tokenizers raises a bare Exception on a bad file
            raise ModelError(
                f"The sentence encoder tokenizer {path / TOKENIZER_FILE} is corrupt ({e}): "
                "reinstall it with `python main.py models install all-MiniLM-L6-v2`."
            ) from e
        # tokenizer.json ships with fixed padding to 128 and truncation at 128; sentence-
        # transformers overrides both (truncate at max_seq_length, pad to the batch's longest).
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_tokens)
        weights = load_weights(path / MODEL_FILE)
        return cls(weights, config, tokenizer, max_tokens=max_tokens, path=path)

    # -- encoding ---------------------------------------------------------------------------

    def tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask (n, longest), padded with id 0 / mask 0 on the right."""
        with self._tok_lock:
            # One by one, not encode_batch: that one fans out over a rayon thread pool.
            encs = [self._tokenizer.encode(t) for t in texts]
        longest = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), longest), dtype=np.int64)
        mask = np.zeros((len(encs), longest), dtype=np.float32)
        for row, e in enumerate(encs):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        return ids, mask

    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        """The vocabulary rows of `ids` as float32, each value rounded through float16 first.
        The vocabulary used to be held in RAM as float16; the shipped layer and its stored
        example embeddings were computed that way, so rounding the gathered rows the same
        way keeps every embedding bit-for-bit what it was (and within cosine 0.99999 of the
        float32 reference)."""
        return np.asarray(self.word[ids]).astype(np.float16).astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # Activations are kept transposed, (features, batch*tokens): W @ x with W in its stored
        # (out, in) layout ran ~30 % faster in OpenBLAS than x @ W.T for 20-30 tokens.
        b, s = ids.shape
        h, d, n = self.heads, self.head_dim, b * s
        x = (self._word_rows(ids) + self.pos_type[:s]).reshape(n, self.dim).T
        x = layer_norm(x, self.emb_ln_g, self.emb_ln_b, self.eps)
        # Padded keys get the lowest float32 so softmax gives them exactly zero weight.
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for L in self.layers:
            qkv = L.qkv_w @ x
            qkv += L.qkv_b
            qkv = qkv.reshape(3, h, d, b, s)
            q = qkv[0].transpose(2, 0, 3, 1)  # (b, h, s, d)
            kt = qkv[1].transpose(2, 0, 1, 3)  # (b, h, d, s)
            vt = qkv[2].transpose(2, 0, 1, 3)  # (b, h, d, s)
            scores = q @ kt  # (b, h, s_query, s_key); the scale is in the query weights
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (vt @ scores.transpose(0, 1, 3, 2)).transpose(1, 2, 0, 3).reshape(self.dim, n)
            a = L.o_w @ ctx
            a += L.o_b
            a += x
            x = layer_norm(a, L.ln1_g, L.ln1_b, self.eps)
            inter = L.i_w @ x
            inter += L.i_b
            f = L.f_w @ gelu(inter)
            f += L.f_b
            f += x
            x = layer_norm(f, L.ln2_g, L.ln2_b, self.eps)
        x = x.T.reshape(b, s, self.dim)
        # Mean pooling over real tokens, then L2 norm (sentence-transformers' Pooling+Normalize).
        summed = np.einsum("bsd,bs->bd", x, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, np.float32(1e-12))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 embeddings, shape (len(texts), 384); texts over 256 tokens are
        truncated. Batches of similar length are padded together (results do not depend on it)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts; use encode_one for a single text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with _blas_lock, self._threadpools.limit(limits=1, user_api="blas"):
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                ids, mask = self.tokenize([texts[i] for i in chunk])
                out[chunk] = self._forward(ids, mask)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """The embedding of one text, shape (384,) float32."""
        return self.encode([text])[0]


def _load_folder(folder: Path) -> SentenceEncoder:
    try:
        return SentenceEncoder.load(folder)
    except EncoderMissing:
        raise
    except ModelError as e:
        raise rules_only(str(e)) from e


_encoders: LoadedOnce[SentenceEncoder] = LoadedOnce(_load_folder)


def load_encoder(path: str | Path | None = None) -> SentenceEncoder:
    """The sentence encoder (lookup order of models.lookup.find_encoder), loaded once per
    process; EncoderMissing (one sentence: rules alone, and what to run) if there is none."""
    return _encoders.get(find_encoder(str(path) if path else None))


def load_encoder_async(
    path: str | Path | None = None,
    on_done: Callable[[Future], None] | None = None,
) -> Future:
    """Load the encoder on a named background thread (start-up must not wait ~0.2-1 s for it);
    the Future holds the SentenceEncoder or EncoderMissing."""
    return load_async(lambda: load_encoder(path), "encoder-loader", on_done)
