"""Shared pytest set-up."""


def pytest_addoption(parser):
    parser.addoption("--book-html", default=None,
                     help="folder of the built HTML book, for the browser tests in tests/browser")
