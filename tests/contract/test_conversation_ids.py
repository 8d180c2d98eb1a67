from contract import conversation_ids as ids


def test_email_conversation_is_one_per_address_and_hides_it() -> None:
    one = ids.email_conversation("Ion.Popescu@Example.ro ")
    assert one == ids.email_conversation("ion.popescu@example.ro")
    assert one != ids.email_conversation("ana@example.ro")
    assert one.startswith(ids.EMAIL) and "example" not in one
    assert ids.output_channel(one) == "email"
    assert ids.reserved(one.upper())
