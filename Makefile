# Two commands do all set-up on a fresh machine (Debian, root or sudo):
#   make demo   builds the release CLI and runs the main job on the bundled fixture
#   make test   runs the whole test suite (release build: the exactness tests are heavy)
SWIFT ?= swift
DEB_PACKAGES := libopenblas-dev liblapacke-dev libsqlite3-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FIXTURE := Tests/Fixtures/debian-minilm-2000

.PHONY: deps build demo test bench clean

## Installs the Debian packages the engine loads at run time, when missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

demo: build
	@mkdir -p demo
	@rm -f demo/curate.sqlite demo/curate.sqlite-wal demo/curate.sqlite-shm demo/plan.json
	.build/release/curate info
	.build/release/curate import prospects $(FIXTURE).jsonl --embeddings $(FIXTURE).f32 --dim 384 \
		--db demo/curate.sqlite
	.build/release/curate backfill --db demo/curate.sqlite --window 30d --dry-run --plan-out demo/plan.json
	.build/release/curate backfill --db demo/curate.sqlite --window 30d
	.build/release/curate status --db demo/curate.sqlite

test: deps
	$(SWIFT) test -c release

bench: deps
	$(SWIFT) build -c release --product curate-bench
	.build/release/curate-bench --pools 10000,40000 --dataset ../shared/datasets/debian-minilm

clean:
	rm -rf .build demo
