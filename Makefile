# The two commands of the README. Both create .venv on first use.
.PHONY: book test clean
book:   ## build the HTML book into _build/html
	bash scripts/build.sh
test:   ## run every test: lecturelib, nbval over the chapters, strict book build
	bash scripts/test.sh
clean:
	rm -rf _build
