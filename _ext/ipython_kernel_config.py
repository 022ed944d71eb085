# IPython kernel configuration for the book's build only (scripts/build.sh copies it into a
# temporary IPYTHONDIR): figures are stored as PNGs of twice the pixels they are shown at
# ("retina"), so they stay sharp on high-density screens and in the PDFs. Jupyter and Colab
# keep their own defaults.
c = get_config()  # noqa: F821 (provided by IPython when it loads this file)
c.InlineBackend.figure_formats = {"retina"}
