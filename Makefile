# Two commands do all set-up on a fresh machine (Debian, root or sudo):
#   make demo   builds the release CLI and runs the main job on the bundled fixture
#   make test   runs the whole test suite (release build: the exactness tests are heavy)
SWIFT ?= swift
DEB_PACKAGES := libopenblas-dev liblapacke-dev libsqlite3-dev
## The tests also render the HTML report in headless Chromium.
TEST_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FIXTURE := Tests/Fixtures/debian-minilm-2000

.PHONY: deps test-deps build demo test bench bench-provider chaos fuzz fuzz-replay clean

## Installs the Debian packages the engine loads at run time, when missing.
deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(DEB_PACKAGES)"

## Installs what the tests need beyond the run-time packages, when missing.
test-deps: deps
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(TEST_PACKAGES)"

.PHONY: install-missing
install-missing:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

demo: build
	@mkdir -p demo
	@rm -f demo/curate.sqlite demo/curate.sqlite-wal demo/curate.sqlite-shm demo/plan.json demo/report.html
	.build/release/curate info
	.build/release/curate import prospects $(FIXTURE).jsonl --embeddings $(FIXTURE).f32 --dim 384 \
		--db demo/curate.sqlite
	.build/release/curate backfill --db demo/curate.sqlite --window 30d --dry-run --plan-out demo/plan.json
	.build/release/curate report --db demo/curate.sqlite --out demo/report.html
	.build/release/curate backfill --db demo/curate.sqlite --window 30d
	.build/release/curate status --db demo/curate.sqlite

## libWrongBLAS.so (the BLAS self-check's test double) is a product no test target links.
test: test-deps
	$(SWIFT) build -c release --product WrongBLAS
	$(SWIFT) test -c release

## Benchmarks every backend, with and without the low-rank screen, against the sgemm peak, recall, a dry-run
## backfill, curate report and the Python peers on the standard set; writes Benchmarks/results/latest.{json,csv,md,svg}.
## Then the AVX2 tier (CURATE_ISA=avx2, CURATE_BLAS_CORE=Haswell: the kernels and OpenBLAS core of a CPU without
## AVX-512, the sgemm peak measured with that core) into latest-avx2.*, isotropic synthetic rows into
## latest-isotropic.*, and a dry-run backfill of 1,000,000 perturbed rows into latest-million.*. About 20 minutes
## on 2 cores.
## BENCH_DATASET=DIR points at the debian-minilm set; without it every pool is synthetic.
BENCH_DATASET ?= ../shared/datasets/debian-minilm
BENCH_OUT := Benchmarks/results/latest
BENCH_COMMON := --dim 384 --threshold 0.82 --reps 3 --rep-budget 10 --wait-budget 90 --screens off,auto
bench: deps
	$(SWIFT) build -c release --product curate-bench
	@$(MAKE) --no-print-directory peers-venv || echo "warning: could not set up the peers' venv (is PyPI reachable?): the peers are skipped"
	@[ -f $(BENCH_DATASET)/embeddings.f32 ] || echo "warning: no debian-minilm dataset at $(BENCH_DATASET): every pool will be synthetic; run 'make bench BENCH_DATASET=/path/to/debian-minilm' to benchmark the real set"
	.build/release/curate-bench --dataset $(BENCH_DATASET) --dim 384 \
		--pools 500,2800,10000,40000,100000,2800@1536,10000@1536,40000@1536,100000@1536 \
		--backends scalar,swift-simd,simd,blas,bf16,int8 $(BENCH_COMMON) \
		--scalar-max 10000 --max-pool swift-simd=2800,swift-simd=0@1536,scalar=2800@1536 \
		--recall 10000x20000,40000x40000 --recall-backends blas,simd,bf16,int8 --end-to-end --report --peers --peer-pools 2800,10000,40000 \
		--json $(BENCH_OUT).json --csv $(BENCH_OUT).csv --plot $(BENCH_OUT).svg --markdown $(BENCH_OUT).md
	CURATE_ISA=avx2 CURATE_BLAS_CORE=Haswell .build/release/curate-bench --dataset $(BENCH_DATASET) $(BENCH_COMMON) \
		--pools 10000,40000,100000 --backends blas,bf16,int8 --scalar-max 0 --recall 40000x40000 --recall-backends blas,bf16,int8 \
		--json $(BENCH_OUT)-avx2.json --csv $(BENCH_OUT)-avx2.csv --markdown $(BENCH_OUT)-avx2.md
	.build/release/curate-bench --dataset synthetic --topics 0 $(BENCH_COMMON) --pools 100000 --backends blas,int8 \
		--scalar-max 0 --recall none --json $(BENCH_OUT)-isotropic.json --markdown $(BENCH_OUT)-isotropic.md
	.build/release/curate-bench --dataset $(BENCH_DATASET) --dim 384 --perturb 0.05 --pools 1000000 --backends int8 \
		--screens auto --reps 1 --rep-budget 1 --recall none --end-to-end --end-to-end-pools 1000000 --committed 20000 \
		--json $(BENCH_OUT)-million.json --markdown $(BENCH_OUT)-million.md

## A 40,000-prospect backfill through the Anthropic emulator with injected faults: requests,
## batches, retries and the seconds spent outside the emulator's processing delay.
bench-provider: deps
	$(SWIFT) build -c release --product curate
	$(SWIFT) build -c release --product curate-emulator
	python3 Benchmarks/provider_backfill.py --dataset $(BENCH_DATASET) --json Benchmarks/results/provider-backfill.json

PEERS_VENV := Benchmarks/peers/.venv
.PHONY: peers-venv
## Creates Benchmarks/peers/.venv with numpy, faiss-cpu, scikit-learn and threadpoolctl from PyPI.
peers-venv: $(PEERS_VENV)/.installed

$(PEERS_VENV)/.installed: Benchmarks/peers/requirements.txt
	@python3 -c 'import ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet -r Benchmarks/peers/requirements.txt
	@touch $@

## Kills backfills at every named crash point (20 seeds each, local provider and the Anthropic
## emulator), at random times, and races backfills against ticks; prints the table of violations.
chaos: deps
	$(SWIFT) build -c release --product curate
	$(SWIFT) build -c release --product curate-emulator
	python3 Tests/Chaos/chaos.py

## Fuzzes the JSONL importer and the decision parser with libFuzzer, FUZZ_SECONDS each (default
## 600), growing Tests/Fuzz/corpus/<target> (then minimised with -merge=1, seeds kept); crashes
## land in .build-fuzz/artifacts. The build
## instruments every Swift module with AddressSanitizer and coverage (its own scratch path).
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= jsonl decisions
FUZZ_RT := $(shell dirname $$(dirname $$(readlink -f $$(command -v $(SWIFT)))))/lib/clang
fuzz: deps
	$(SWIFT) build -c release --product curate-fuzz --scratch-path .build-fuzz \
		-Xswiftc -DFUZZING -Xswiftc -sanitize=address \
		-Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
		-Xlinker $$(ls $(FUZZ_RT)/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1) -Xlinker -lstdc++
	@mkdir -p .build-fuzz/artifacts
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
		.build-fuzz/release/curate-fuzz $$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
			-artifact_prefix=.build-fuzz/artifacts/$$t- -print_final_stats=1 Tests/Fuzz/corpus/$$t || exit 1; \
		rm -rf .build-fuzz/min/$$t && mkdir -p .build-fuzz/min/$$t && \
		.build-fuzz/release/curate-fuzz $$t -merge=1 .build-fuzz/min/$$t Tests/Fuzz/corpus/$$t 2>/dev/null && \
		cp Tests/Fuzz/corpus/$$t/seed-* .build-fuzz/min/$$t/ && \
		rm -rf Tests/Fuzz/corpus/$$t && cp -r .build-fuzz/min/$$t Tests/Fuzz/corpus/$$t || exit 1; \
	done

## Replays the kept fuzz corpus through an ordinary build (make test replays it too).
fuzz-replay:
	$(SWIFT) build -c release --product curate-fuzz
	@for t in $(FUZZ_TARGETS); do .build/release/curate-fuzz $$t Tests/Fuzz/corpus/$$t || exit 1; done

clean:
	rm -rf .build .build-fuzz demo
