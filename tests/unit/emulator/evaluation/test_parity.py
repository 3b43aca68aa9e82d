"""Served predictions against the offline ones."""

from emulator.evaluation.parity import compare


def test_numbers_give_max_and_mean_abs_and_rows_beyond_tolerance():
    parity = compare([1, 2, 3], [1.0, 2.0000001, 3.5], ["1.0", "2.0", "3.0"], tolerance=1e-6)
    figures = parity.figures()
    assert figures["parity_max_abs"] == 0.5
    assert abs(figures["parity_mean_abs"] - (0.5 + 1e-7) / 3) < 1e-12
    assert figures["parity_differing"] == 1 and figures["parity_first_differing_rows"] == [3]


def test_labels_give_mismatches():
    figures = compare([4, 5, 6], ["medical", "1", "a"], ["medical", "1.0", "b"]).figures()
    assert figures["parity_mismatches"] == 1 and figures["parity_first_differing_rows"] == [6]
    assert "parity_max_abs" not in figures


def test_identical_numbers_have_zero_difference():
    figures = compare([1, 2], [11.873129844665527, 9.7], ["11.873129844665527", "9.7"], tolerance=0).figures()
    assert figures["parity_max_abs"] == 0.0 and figures["parity_differing"] == 0
