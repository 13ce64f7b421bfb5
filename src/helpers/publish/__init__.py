"""Stage 4, publishing: build planning and state, running notebooks (and how kernels start),
rendering reader HTML, fonts, and the ``desk`` command. No notebook imports from here."""
