"""Binary parse trees with a label at every node: the Penn-Treebank bracket format of the Stanford Sentiment
Treebank (``(3 (2 not) (3 (3 very) (4 good)))``), a reader for it, the level-wise schedule that lets a recursive
network process a mini-batch of trees a level at a time, and a generated treebank whose labels depend on
composition (negation and contrast).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .. import random as nf_random
from ..errors import ConfigError, DataError


@dataclass
class Tree:
    """A node: ``label`` (int), and either ``word`` (a leaf) or ``left``/``right`` children."""

    label: int
    word: str | None = None
    left: "Tree | None" = None
    right: "Tree | None" = None

    @property
    def is_leaf(self) -> bool:
        return self.word is not None

    def words(self) -> list:
        """The leaves' words, left to right."""
        out, stack = [], [self]
        while stack:
            node = stack.pop()
            if node.is_leaf:
                out.append(node.word)
            else:
                stack += [node.right, node.left]
        return out

    def nodes(self) -> list:
        """Every node, children before parents (post-order)."""
        out, stack = [], [(self, False)]
        while stack:
            node, done = stack.pop()
            if node.is_leaf or done:
                out.append(node)
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        return out

    def __str__(self) -> str:
        if self.is_leaf:
            return f"({self.label} {self.word})"
        return f"({self.label} {self.left} {self.right})"


def parse_tree(text: str) -> Tree:
    """One bracketed tree: ``(label word)`` for a leaf, ``(label left right)`` for a binary node."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def fail(why):
        raise DataError(f"parse_tree: {why} at token {pos} of {text[:80]!r}")

    def node():
        nonlocal pos
        if pos >= len(tokens) or tokens[pos] != "(":
            fail("expected '('")
        pos += 1
        if pos >= len(tokens):
            fail("unexpected end")
        try:
            label = int(tokens[pos])
        except ValueError:
            fail(f"the label {tokens[pos]!r} is not an integer")
        pos += 1
        if pos < len(tokens) and tokens[pos] not in "()":
            word = tokens[pos]
            pos += 1
            result = Tree(label, word=word)
        else:
            left = node()
            right = node()
            result = Tree(label, left=left, right=right)
        if pos >= len(tokens) or tokens[pos] != ")":
            fail("expected ')' (nodes must be leaves or have exactly two children)")
        pos += 1
        return result

    tree = node()
    if pos != len(tokens):
        fail("text after the tree")
    return tree


def read_ptb_trees(source) -> list:
    """Trees from a file path (one tree per line, the SST's ``train.txt`` format) or an iterable of lines."""
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise DataError(f"read_ptb_trees: {source!r} is not a file")
        with open(source, encoding="utf-8") as f:
            lines = f.readlines()
    else:
        lines = list(source)
    return [parse_tree(line) for line in lines if line.strip()]


@dataclass
class TreeBatch:
    """A mini-batch of trees laid out for level-wise evaluation.

    Nodes are numbered leaves first, then level 1 (parents of leaves only), level 2... so that a level's children
    always have smaller numbers. ``word_ids``: ``(n_leaves,)``; ``levels``: per level, ``(left, right)`` index
    arrays of its nodes' children; ``labels``: ``(n_nodes,)`` in that numbering; ``roots``: ``(n_trees,)``;
    ``positions``: per tree, the numbers of its nodes in post-order (the order of ``Tree.nodes()``).
    """

    word_ids: np.ndarray
    levels: list = field(default_factory=list)
    labels: np.ndarray = None
    roots: np.ndarray = None
    positions: list = field(default_factory=list)

    @property
    def n_nodes(self) -> int:
        return len(self.labels)


def batch_trees(trees, vocabulary: dict, unknown: int = 0) -> TreeBatch:
    """Lay out ``trees`` for level-wise evaluation (see :class:`TreeBatch`); words not in ``vocabulary`` map to
    ``unknown``."""
    if not trees:
        raise DataError("batch_trees: no trees")
    height, order = {}, []
    for t in trees:
        for node in t.nodes():
            h = 0 if node.is_leaf else 1 + max(height[id(node.left)], height[id(node.right)])
            height[id(node)] = h
            order.append(node)
    order.sort(key=lambda n: height[id(n)])  # stable: within a level, trees stay in order
    index = {id(n): i for i, n in enumerate(order)}
    n_leaves = sum(1 for n in order if n.is_leaf)
    word_ids = np.array([vocabulary.get(n.word, unknown) for n in order[:n_leaves]], dtype=np.int64)
    levels = []
    top = height[id(order[-1])]
    start = n_leaves
    for h in range(1, top + 1):
        members = [n for n in order[start:] if height[id(n)] == h]
        levels.append((np.array([index[id(n.left)] for n in members], dtype=np.int64),
                       np.array([index[id(n.right)] for n in members], dtype=np.int64)))
        start += len(members)
    labels = np.array([n.label for n in order], dtype=np.int64)
    roots = np.array([index[id(t)] for t in trees], dtype=np.int64)
    positions = [np.array([index[id(n)] for n in t.nodes()], dtype=np.int64) for t in trees]
    return TreeBatch(word_ids, levels, labels, roots, positions)


def build_vocabulary(trees, min_count: int = 1) -> dict:
    """``word -> id`` for the words of ``trees`` (id 0 is reserved for unknown words), most frequent first."""
    counts = {}
    for t in trees:
        for w in t.words():
            counts[w] = counts.get(w, 0) + 1
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return {w: i + 1 for i, w in enumerate(words)}


# --- a generated treebank whose labels need composition ----------------------------------------------------------
POSITIVE = ("good", "great", "fun", "charming", "clever", "moving", "funny", "smart", "lovely", "sharp")
NEGATIVE = ("bad", "dull", "boring", "awful", "silly", "tedious", "weak", "bland", "messy", "flat")
NEUTRAL = ("movie", "film", "plot", "story", "acting", "script", "cast", "ending", "music", "pace")
INTENSIFIERS = ("very", "really", "quite")


def _phrase(rng, depth):
    """A labelled phrase (0 negative, 1 neutral, 2 positive): an adjective, 'very X', 'not X', 'the N', or
    'X but Y' (the label of Y), nested up to ``depth``."""
    kind = rng.integers(0, 5 if depth > 0 else 2)
    if kind == 0:
        pos = rng.random() < 0.5
        word = (POSITIVE if pos else NEGATIVE)[rng.integers(0, 10)]
        return Tree(2 if pos else 0, word=word)
    if kind == 1:
        return Tree(1, left=Tree(1, word="the"), right=Tree(1, word=NEUTRAL[rng.integers(0, 10)]))
    if kind == 2:
        inner = _phrase(rng, depth - 1)
        return Tree(inner.label, left=Tree(1, word=INTENSIFIERS[rng.integers(0, 3)]), right=inner)
    if kind == 3:
        inner = _phrase(rng, depth - 1)
        return Tree(2 - inner.label, left=Tree(1, word="not"), right=inner)  # negation flips; neutral stays
    first, second = _phrase(rng, depth - 1), _phrase(rng, depth - 1)
    tail = Tree(second.label, left=Tree(1, word="but"), right=second)
    return Tree(second.label, left=first, right=tail)  # contrast: what follows 'but' decides


def synthetic_sentiment_treebank(n: int, depth: int = 3, seed=None) -> list:
    """``n`` generated sentences as labelled binary trees (labels 0/1/2 at every node) whose sentiment depends on
    composition: 'not' flips its phrase, 'X but Y' takes Y's label, intensifiers keep it. A bag of words cannot
    tell 'good but boring' from 'boring but good'; a model that composes can."""
    if int(n) < 1 or int(depth) < 1:
        raise ConfigError(f"synthetic_sentiment_treebank: n and depth must be >= 1, got n={n}, depth={depth}")
    rng = nf_random.generator_for(seed, "synthetic_sentiment_treebank")
    trees = []
    while len(trees) < int(n):
        t = _phrase(rng, int(depth))
        if not t.is_leaf:
            trees.append(t)
    return trees


__all__ = ["Tree", "parse_tree", "read_ptb_trees", "TreeBatch", "batch_trees", "build_vocabulary",
           "synthetic_sentiment_treebank"]
