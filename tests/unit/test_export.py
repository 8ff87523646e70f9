def test_csv_text_never_hands_a_spreadsheet_a_formula():
    import csv
    import io

    from bot.services.export import csv_text

    rows = [["answer", "n"], ['=HYPERLINK("http://x")', 3], ["+1", -2], ["-1", None], ["@A1", 0]]
    rows += [["\tx", 1], ["plain = fine", 2]]
    read = list(csv.reader(io.StringIO(csv_text(rows))))
    assert [r[0] for r in read[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-1",
        "'@A1",
        "'\tx",
        "plain = fine",
    ]
    assert [r[1] for r in read[1:]] == ["3", "-2", "", "0", "1", "2"]  # numbers untouched
