"""The field macro links a field to its error message only when there is one."""


def test_no_aria_describedby_without_errors(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'aria-describedby="None"' not in page
    assert 'aria-invalid="false"' in page


def test_aria_describedby_points_at_the_error(client, app):
    page = client.post("/auth/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="username-err"' in page and 'id="username-err"' in page
