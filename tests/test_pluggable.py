"""Pluggable views: ShowUsers, RenderTemplateView and MyView."""


def test_show_users_lists_what_the_api_stored(client, api_headers):
    client.post("/api/users/", json={"username": "ann", "email": "ann@example.com"}, headers=api_headers)
    assert "<td>ann</td><td>ann@example.com</td>" in client.get("/users/").get_data(as_text=True)


def test_render_template_view_serves_the_about_page(client):
    assert "RenderTemplateView" in client.get("/about").get_data(as_text=True)


def test_myview_answers_get_and_post(client, post_form):
    assert client.get("/myview").status_code == 200
    response = post_form("/myview", {"note": "hello view"}, follow_redirects=True)
    assert "MyView received a POST: hello view" in response.get_data(as_text=True)


def test_myview_refuses_an_empty_note_and_other_methods(client, post_form):
    assert post_form("/myview", {"note": ""}).status_code == 400
    assert client.put("/myview").status_code == 405
