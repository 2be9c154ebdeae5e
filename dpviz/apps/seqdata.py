"""Seeded generators of the sequence tasks of part 2: copying, reversing, and small question answering.

Every set is made from a seed, so a notebook, a test and a reader's rerun see the same data.
Symbols are integers ``0 … vocab-1``; two more ids are reserved by the models (start and padding),
see :data:`SPECIAL`.

>>> batch = copy_task(4, 5, vocab=6, seed=1)
>>> bool((batch.inputs == batch.targets).all())
True
>>> rev = reverse_task(1, 4, seed=2)
>>> bool((rev.inputs[0, ::-1] == rev.targets[0]).all())
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpviz.apps import require

SPECIAL = {"start": 0, "pad": 1}
"""Ids reserved by the sequence models; data symbols are shifted past them by :func:`encode`."""


@dataclass(frozen=True)
class SeqBatch:
    """A batch of equally long sequences: ``inputs`` and ``targets``, both int arrays (batch, length).

    >>> SeqBatch(np.zeros((2, 3), int), np.zeros((2, 3), int)).length
    3
    """

    inputs: np.ndarray
    targets: np.ndarray

    def __str__(self) -> str:
        """What ``print(batch)`` shows: how many sequences, how long, and the first few of them.

        >>> print(SeqBatch(np.array([[3, 1, 2]]), np.array([[2, 1, 3]])))
        1 sequence of length 3
          inputs  [3 1 2]
          targets [2 1 3]
        """
        n = int(self.inputs.shape[0])
        lines = [f"{n} sequence{'s' if n != 1 else ''} of length {self.length}"]
        for row in range(min(n, 3)):
            prefix = f"  #{row} " if n > 1 else "  "
            lines.append(f"{prefix}inputs  {np.array2string(self.inputs[row], max_line_width=200)}")
            lines.append(f"{' ' * len(prefix)}targets {np.array2string(self.targets[row], max_line_width=200)}")
        if n > 3:
            lines.append(f"  … and {n - 3} more")
        return "\n".join(lines)

    @property
    def length(self) -> int:
        """The number of symbols in each sequence.

        >>> copy_task(2, 5).length
        5
        """
        return int(self.inputs.shape[1])


def _symbols(n: int, length: int, vocab: int, seed: int) -> np.ndarray:
    require(n >= 1, f"the batch size must be at least 1; got {n}")
    require(length >= 1, f"sequences need at least one symbol; got length {length}")
    require(vocab >= 2, f"a task needs at least two symbols; got vocab={vocab}")
    return np.random.default_rng(seed).integers(0, vocab, size=(n, length))


def copy_task(n: int, length: int, vocab: int = 8, seed: int = 0) -> SeqBatch:
    """``n`` random sequences whose target is the sequence itself.

    >>> copy_task(2, 3, vocab=4, seed=0).inputs.shape
    (2, 3)
    """
    x = _symbols(n, length, vocab, seed)
    return SeqBatch(x, x.copy())


def reverse_task(n: int, length: int, vocab: int = 8, seed: int = 0) -> SeqBatch:
    """``n`` random sequences whose target is the sequence read backwards.

    Reversal is the classic test of a fixed-size bottleneck: the first output needs the *last*
    input and the last output the *first*, so every symbol must survive the whole encoding.

    >>> b = reverse_task(1, 3, vocab=5, seed=3)
    >>> b.targets[0].tolist() == b.inputs[0][::-1].tolist()
    True
    """
    x = _symbols(n, length, vocab, seed)
    return SeqBatch(x, x[:, ::-1].copy())


def encode(symbols: np.ndarray) -> np.ndarray:
    """Shift data symbols past the reserved ids of :data:`SPECIAL` (what the models' embeddings see).

    >>> encode(np.array([0, 3])).tolist()
    [2, 5]
    """
    return np.asarray(symbols) + len(SPECIAL)


def decode(ids: np.ndarray) -> np.ndarray:
    """Undo :func:`encode` (reserved ids become -1: never a correct symbol).

    >>> decode(np.array([2, 5, 0])).tolist()
    [0, 3, -1]
    """
    ids = np.asarray(ids)
    return np.where(ids >= len(SPECIAL), ids - len(SPECIAL), -1)


# ------------------------------------------------------------------------ question answering

@dataclass(frozen=True)
class QASet:
    """Generated stories, questions and answers, as integer arrays ready for a memory network.

    ``stories`` is (n, n_sentences, words_per_sentence) of word ids (0 = padding), ``questions``
    (n, words) and ``answers`` (n,) word ids; ``support`` (n, hops) the indices of the sentences
    that answer each question (what a well-trained network should attend to); ``vocab`` the words.

    >>> qa = where_is_task(3, seed=0)
    >>> qa.stories.shape[0], qa.answers.shape
    (3, (3,))
    """

    stories: np.ndarray
    questions: np.ndarray
    answers: np.ndarray
    support: np.ndarray
    vocab: tuple[str, ...]

    def text(self, i: int) -> str:
        """Story ``i``, its question and answer, in words.

        >>> print(where_is_task(1, n_sentences=2, seed=4).text(0).splitlines()[-1])  # doctest: +ELLIPSIS
        Q: where is ...? A: ...
        """
        words = lambda ids: " ".join(self.vocab[j] for j in ids if j)
        lines = [f"{k + 1}. {words(s)}" for k, s in enumerate(self.stories[i]) if s.any()]
        lines.append(f"Q: {words(self.questions[i])}? A: {self.vocab[self.answers[i]]}")
        return "\n".join(lines)


PEOPLE = ("mary", "john", "sandra", "daniel", "emma", "omar")
PLACES = ("kitchen", "garden", "office", "hallway", "bedroom", "bathroom")
OBJECTS = ("apple", "football", "milk", "key")


def _vocab() -> tuple[str, ...]:
    return ("<pad>", "went", "to", "the", "took", "where", "is", *PEOPLE, *PLACES, *OBJECTS)


def where_is_task(n: int, n_sentences: int = 6, with_objects: bool = False, seed: int = 0) -> QASet:
    """Stories of people moving between places; the question asks where someone (or something) is.

    With ``with_objects=False`` the answer is in one sentence: the *last* move of the person asked
    about (one supporting fact). With ``with_objects=True`` some people pick up objects and the
    question asks where an object is: the answer needs two facts (who took it, then where that
    person went last), which is what several hops of a memory network are for.

    >>> qa = where_is_task(200, with_objects=True, seed=1)
    >>> qa.support.shape, int(qa.answers.min()) >= len(_vocab()) - len(PLACES) - len(OBJECTS)
    ((200, 2), True)
    """
    require(n >= 1, f"the number of stories must be at least 1; got {n}")
    require(2 <= n_sentences <= 40, f"stories need 2 to 40 sentences; got {n_sentences}")
    vocab = _vocab()
    ix = {w: i for i, w in enumerate(vocab)}
    rng = np.random.default_rng(seed)
    width = 4
    stories = np.zeros((n, n_sentences, width), dtype=np.int64)
    questions = np.zeros((n, 3), dtype=np.int64)
    answers = np.zeros(n, dtype=np.int64)
    support = np.zeros((n, 2 if with_objects else 1), dtype=np.int64)
    for k in range(n):
        while True:     # redraw until the story can ask the question (rare for objects)
            cast = rng.choice(len(PEOPLE), size=3, replace=False)
            last_move: dict[int, int] = {}
            holder: dict[int, tuple[int, int]] = {}
            for s in range(n_sentences):
                who = int(rng.choice(cast))
                free = [o for o in range(len(OBJECTS)) if o not in holder]
                if with_objects and s < n_sentences - 1 and free and rng.random() < 0.3:
                    obj = int(rng.choice(free))
                    holder[obj] = (who, s)
                    stories[k, s] = [ix[PEOPLE[who]], ix["took"], ix["the"], ix[OBJECTS[obj]]]
                else:
                    place = int(rng.integers(len(PLACES)))
                    last_move[who] = s
                    stories[k, s] = [ix[PEOPLE[who]], ix["went"], ix["to"], ix[PLACES[place]]]
            # for objects: the holder must have moved after taking it, so two facts are needed
            good = [(o, w, s) for o, (w, s) in holder.items() if last_move.get(w, -1) > s]
            if last_move and (good or not with_objects):
                break
        if with_objects:
            obj, who, took_at = good[int(rng.integers(len(good)))]
            questions[k] = [ix["where"], ix["is"], ix[OBJECTS[obj]]]
            answers[k] = stories[k, last_move[who], 3]
            support[k] = [took_at, last_move[who]]
        else:
            moved = sorted(last_move)
            who = moved[int(rng.integers(len(moved)))]
            questions[k] = [ix["where"], ix["is"], ix[PEOPLE[who]]]
            answers[k] = stories[k, last_move[who], 3]
            support[k] = [last_move[who]]
    return QASet(stories, questions, answers, support, vocab)
