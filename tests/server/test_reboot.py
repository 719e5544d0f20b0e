"""A reboot (the container restarted: systemd stops every unit, then boots) brings every service
back by itself, with the data."""


def test_a_reboot_brings_every_service_back_with_the_data(stack):
    stack.sql("INSERT INTO users (username, email) VALUES ('rebooted', 'rebooted@example.com') ON CONFLICT DO NOTHING")
    stack.reboot()
    for unit in stack.units():
        assert stack.systemctl("is-active", unit, check=False).stdout.strip() == "active", unit
    assert stack.request("GET", "/readyz").status == 200
    assert stack.sql("SELECT count(*) FROM users WHERE username = 'rebooted'") == [(1,)]
