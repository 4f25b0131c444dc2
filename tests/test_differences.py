"""What differs in a selection: the planted differences are found, nothing is found between random halves."""

import numpy as np
import pandas as pd
import pytest

from clustering.evaluate.differences import differences, effect_words


def planted(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 20))
    inside = np.arange(300)
    vectors[inside, 3] += 1.5  # one feature shifted in the selection
    metadata = pd.DataFrame(
        {
            "price": rng.gamma(2, 20, n),
            "colour": rng.choice(["red", "blue", "green"], n),
            "sku": [f"s{i}" for i in range(n)],  # an id: never tested
        }
    )
    metadata.loc[inside, "price"] *= 3  # pricier inside
    metadata.loc[inside[:200], "colour"] = "red"  # mostly red inside
    return vectors, metadata, inside


def test_the_planted_differences_come_first_and_are_significant():
    vectors, metadata, inside = planted()
    table = differences(vectors, metadata, inside, feature_names=[f"f{j}" for j in range(20)])
    found = table[table["significant"]]
    assert set(found["what"]) >= {"f3", "price", "colour = red"}
    assert set(table.head(3)["what"]) == {"f3", "price", "colour = red"}
    assert table.set_index("what").loc["f3", "effect"] > 1.2  # about 1.5 standard deviations
    assert table.set_index("what").loc["colour = red", "inside"] > 0.7
    assert not table["what"].str.startswith("sku").any()
    assert effect_words(1.5) == "large" and effect_words(-0.3) == "small" and effect_words(0.1) == "negligible"


def test_random_halves_differ_in_nothing_after_false_discovery_control():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3000, 100))
    metadata = pd.DataFrame({"score": rng.normal(size=3000), "group": rng.choice(list("abcd"), 3000)})
    table = differences(vectors, metadata, rng.permutation(3000)[:1500])
    assert table["significant"].sum() <= 2  # 106 tests at FDR 5%: false alarms stay rare
    assert (table["q_value"] >= table["p_value"] - 1e-12).all()


def test_against_a_second_selection_and_bad_selections_are_refused():
    vectors, metadata, inside = planted()
    table = differences(vectors, metadata, inside, np.arange(1000, 1300))
    assert "dim_3" in set(table[table["significant"]]["what"])  # features named by position when unnamed
    with pytest.raises(ValueError, match="at least 2 rows"):
        differences(vectors, metadata, [5])
    with pytest.raises(ValueError, match="share rows"):
        differences(vectors, metadata, inside, np.arange(100, 400))
