from backend.notify.sms_segments import segments


def test_gsm_texts_fit_160_then_153_per_segment():
    assert segments("") == 0
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2 and segments("a" * 307) == 3
    # French accents of the GSM alphabet (é, è, à, ù) keep GSM encoding; ç and ê do not.
    assert segments("Livraison prévue à 9 h, après où" + "a" * 120) == 1
    assert segments("reçu" + "a" * 120) == 2


def test_extension_characters_count_twice():
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2


def test_other_characters_switch_to_ucs2():
    assert segments("ê" + "a" * 69) == 1            # ê is not in GSM 03.38
    assert segments("ê" + "a" * 70) == 2
    assert segments("🙂" * 35) == 1 and segments("🙂" * 36) == 2   # emoji take two UTF-16 units
