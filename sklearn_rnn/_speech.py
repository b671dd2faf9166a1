"""Synthetic speech for :func:`sklearn_rnn.datasets.make_spoken_digits`:
espeak-ng (through the ``espeakng-loader`` wheel) and MFCC features in numpy.

espeak-ng keeps synthesis state between utterances in its process (the same
text spoken twice in a row gives different samples, even with
``espeak_ng_SetRandSeed``), and that state survives ``espeak_Terminate``.
Each call of :func:`synthesize` therefore runs its utterances in a fresh
Python process, in order, so that what it returns depends only on its
arguments. The worker uses the standard library and the loader only.
"""

import json
import struct
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

_LOADER = "espeakng-loader"
_MISSING = (
    "make_spoken_digits synthesises speech with espeak-ng from the espeakng-loader "
    "wheel, which is not installed: pip install 'sklearn-rnn[speech]' "
    "(or pip install espeakng-loader)."
)

# espeak_SetParameter's parameter ids (speak_lib.h).
_RATE, _PITCH, _RANGE = 1, 3, 4

# Run with ``python -c``: reads one JSON list of utterances on stdin, writes
# the sample rate, then each utterance's int16 samples, length-prefixed. A
# voice that espeak-ng refuses ends the run with its name on stderr.
_WORKER = r"""
import ctypes, json, struct, sys
import espeakng_loader as loader
lib = ctypes.CDLL(loader.get_library_path())
lib.espeak_Initialize.restype = ctypes.c_int
rate = lib.espeak_Initialize(2, 0, loader.get_data_path().encode(), 0)  # synchronous
if rate <= 0:
    sys.exit("espeak_Initialize failed")
chunks = []
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.c_void_p)
@CALLBACK
def collect(wav, n_samples, events):
    if n_samples > 0:
        chunks.append(ctypes.string_at(wav, 2 * n_samples))
    return 0
lib.espeak_SetSynthCallback(collect)
lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                             ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
lib.espeak_ng_SetRandSeed(0)
out = sys.stdout.buffer
out.write(struct.pack("<i", rate))
for text, voice, settings in json.loads(sys.stdin.read()):
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        sys.exit("unknown voice " + voice)
    for parameter, value in settings:
        lib.espeak_SetParameter(parameter, value, 0)
    chunks.clear()
    data = text.encode()
    # position type 1 (characters), flags 1 (UTF-8)
    if lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None) != 0:
        sys.exit("espeak_Synth failed on " + repr(text))
    samples = b"".join(chunks)
    out.write(struct.pack("<q", len(samples)))
    out.write(samples)
out.flush()
"""


@lru_cache(maxsize=1)
def espeak_data_path():
    """The ``espeak-ng-data`` folder of the installed loader wheel."""
    try:
        import espeakng_loader
    except ImportError:
        raise ImportError(_MISSING) from None
    return Path(espeakng_loader.get_data_path())


@lru_cache(maxsize=1)
def espeak_voices():
    """The languages (lower case, e.g. ``"en-us"``) and voice variants (e.g.
    ``"f3"``) of the installed espeak-ng data."""
    data = espeak_data_path()
    languages = {path.name.lower() for path in (data / "lang").rglob("*") if path.is_file()}
    variants = {path.name for path in (data / "voices" / "!v").iterdir() if path.is_file()}
    return frozenset(languages), frozenset(variants)


def check_voice(voice, name="voices"):
    """Raise a ValueError unless ``voice`` is ``"language+variant"`` (or a
    bare language) of the installed espeak-ng data."""
    languages, variants = espeak_voices()
    if not isinstance(voice, str):
        raise ValueError(f"{name} must hold voice names such as 'en+f3'; got {voice!r}.")
    language, _, variant = voice.partition("+")
    if language.lower() not in languages:
        raise ValueError(
            f"Unknown voice {voice!r} in {name}: espeak-ng has no language {language!r} "
            "(English ones: "
            + ", ".join(sorted(lang for lang in languages if lang.startswith("en")))
            + ")."
        )
    # espeak-ng silently ignores a variant it does not know: check it here.
    if "+" in voice and variant not in variants:
        raise ValueError(
            f"Unknown voice {voice!r} in {name}: espeak-ng has no voice variant {variant!r} "
            f"(variants: {', '.join(sorted(variants))})."
        )
    return voice


def synthesize(utterances):
    """Speak each ``(text, voice, rate, pitch, pitch_range)`` with espeak-ng.

    Parameters
    ----------
    utterances : list of tuple
        ``text`` (str), ``voice`` (``"en+f3"``), and espeak-ng's ``rate``
        (words per minute), ``pitch`` and ``pitch_range`` (0-100) as ints.

    Returns
    -------
    sample_rate : int
        22050 for the loader's espeak-ng.
    waves : list of ndarray of int16
    """
    espeak_data_path()  # the clear ImportError when the wheel is missing
    jobs = [
        [text, voice, [[_RATE, int(rate)], [_PITCH, int(pitch)], [_RANGE, int(pitch_range)]]]
        for text, voice, rate, pitch, pitch_range in utterances
    ]
    result = subprocess.run(
        [sys.executable, "-c", _WORKER],
        input=json.dumps(jobs).encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            "espeak-ng synthesis failed: " + (message[-1] if message else "no message")
        )
    output = result.stdout
    (sample_rate,) = struct.unpack_from("<i", output, 0)
    offset = 4
    waves = []
    for _ in jobs:
        (size,) = struct.unpack_from("<q", output, offset)
        offset += 8
        waves.append(np.frombuffer(output, dtype="<i2", count=size // 2, offset=offset).copy())
        offset += size
    return sample_rate, waves


# --- MFCC ------------------------------------------------------------------------


def hz_to_mel(hz):
    """The HTK mel scale: ``2595 log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filter_bank(n_mels, n_fft, sample_rate, fmin, fmax):
    """Triangular filters, equally spaced on the mel scale, as an
    ``(n_mels, n_fft // 2 + 1)`` matrix over the FFT bins; each peaks at 1."""
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def dct_matrix(n_out, n_in):
    """The orthonormal DCT-II, ``(n_out, n_in)``: row ``k`` is
    ``sqrt(2 / n_in) cos(pi k (2 n + 1) / (2 n_in))``, row 0 scaled by
    ``1 / sqrt(2)``."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    matrix = np.sqrt(2.0 / n_in) * np.cos(np.pi * k * (2 * n + 1) / (2 * n_in))
    matrix[0] /= np.sqrt(2.0)
    return matrix


def frames(signal, frame_length, hop_length):
    """Overlapping frames ``(n_frames, frame_length)``, the last one zero-padded;
    at least one frame."""
    n_frames = 1 + max(0, int(np.ceil((len(signal) - frame_length) / hop_length)))
    padded = np.zeros((n_frames - 1) * hop_length + frame_length)
    padded[: len(signal)] = signal
    index = np.arange(frame_length)[None, :] + hop_length * np.arange(n_frames)[:, None]
    return padded[index]


def log_mel_spectrogram(
    signal,
    sample_rate,
    *,
    n_mels=40,
    frame_seconds=0.025,
    hop_seconds=0.010,
    fmin=20.0,
    fmax=None,
    preemphasis=0.97,
):
    """Log mel filter-bank energies, ``(n_frames, n_mels)``: pre-emphasis,
    Hamming-windowed frames, power spectrum, mel filters, natural log."""
    signal = np.asarray(signal, dtype=np.float64)
    if preemphasis:
        signal = np.append(signal[:1], signal[1:] - preemphasis * signal[:-1])
    frame_length = int(round(frame_seconds * sample_rate))
    hop_length = int(round(hop_seconds * sample_rate))
    n_fft = 1 << (frame_length - 1).bit_length()
    windowed = frames(signal, frame_length, hop_length) * np.hamming(frame_length)
    power = np.abs(np.fft.rfft(windowed, n=n_fft)) ** 2 / n_fft
    bank = mel_filter_bank(n_mels, n_fft, sample_rate, fmin, fmax or sample_rate / 2)
    return np.log(power @ bank.T + 1e-10)


def mfcc(signal, sample_rate, *, n_mfcc=13, n_mels=40, **spectrogram):
    """Mel-frequency cepstral coefficients, ``(n_frames, n_mfcc)``: the
    orthonormal DCT-II of :func:`log_mel_spectrogram`, coefficients 0 to
    ``n_mfcc - 1`` (0 is the log energy's mean over the bands, scaled)."""
    log_mel = log_mel_spectrogram(signal, sample_rate, n_mels=n_mels, **spectrogram)
    return log_mel @ dct_matrix(n_mfcc, n_mels).T
