# The two commands of the README. Both create .venv on first use.
.PHONY: book test bench colab clean
book:   ## build the HTML book into _build/html
	bash scripts/build.sh
test:   ## run every test: lecturelib, nbval over the chapters, strict book build
	bash scripts/test.sh
bench:  ## run every benchmark; writes bench/results/report.{json,md}
	bash scripts/setup_env.sh && .venv/bin/python bench/run_all.py
colab:  ## the Colab simulation alone (also step 6 of make test)
	bash scripts/colab_sim.sh
clean:
	rm -rf _build .venv-colab
