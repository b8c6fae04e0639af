# Khru — two commands on a fresh Debian 12 machine, as root:
#   make run    install what is missing, build, prepare data, run every lesson, print where the index is
#   make test   unit tests plus every lesson as a doc-test; ends with "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := build

APT_PACKAGES := libcmark-dev libopenblas-dev libpng-dev libfreetype-dev pkg-config fonts-tlwg-loma-ttf \
                libturbojpeg0-dev python3-pip unzip zlib1g-dev
SWIFT ?= swift
# Lessons and benchmarks use both cores; unit tests run in parallel, one BLAS thread each.
THREADS ?= 2
# One build serves run and test: numeric targets are optimized even in debug (see Package.swift),
# so lessons train at full speed without a second, release build of swift-syntax.
KHRU = .build/debug/khru

.PHONY: deps build data run test lint bench clean lesson-code fuzz fuzz-programs pretrain transfer install

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "error: run as root to install:$$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

data: build
	$(KHRU) data

run: data
	OPENBLAS_NUM_THREADS=$(THREADS) $(KHRU) run lessons/
	@echo "Open $$(pwd)/output/index.html"

# Puts khru on PATH: a symlink $(PREFIX)/bin/khru to the binary `make build` makes, so a later build or
# `make run` updates it. As root for /usr/local.
PREFIX ?= /usr/local
install: build
	@bin="$$(pwd)/$(KHRU)"; \
	if [ ! -w "$(PREFIX)/bin" ] && [ -d "$(PREFIX)/bin" ]; then echo "error: run as root to write $(PREFIX)/bin" >&2; exit 1; fi; \
	mkdir -p "$(PREFIX)/bin" && ln -sfn "$$bin" "$(PREFIX)/bin/khru" && echo "$(PREFIX)/bin/khru -> $$bin"

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

test: deps
	@bash .ci/test-all

bench: deps
	@bash bench/run

# Khru's pretrained bodies (not part of make run or CI): trains ResNet-18/34/50 on Fashion-MNIST, one
# after another, and writes lessons/data/models/<arch>.khw and manifest.json (committed). Deterministic:
# the same machine and PRETRAIN_THREADS give the same files. ~25 min on 2 shared cores.
PRETRAIN_ARCHS ?= resnet18 resnet34 resnet50
PRETRAIN_THREADS ?= 2
PRETRAIN_FLAGS ?=
# The binary is copied first, so a build during the run cannot change the later architectures' trainer.
pretrain: deps
	$(SWIFT) build --product khru-models
	cp .build/debug/khru-models .build/khru-models-pretrain
	for arch in $(PRETRAIN_ARCHS); do \
	    OPENBLAS_NUM_THREADS=$(PRETRAIN_THREADS) nice .build/khru-models-pretrain pretrain --arch $$arch \
	        $(PRETRAIN_FLAGS) || exit 1; \
	done

# The transfer-learning measurement (not part of make run or CI): fineTune of the pretrained bodies
# against random init on 1,000 training digits, three seeds each; prints error rates and times.
TRANSFER_FLAGS ?=
transfer: deps
	$(SWIFT) build --product khru-models
	OPENBLAS_NUM_THREADS=$(PRETRAIN_THREADS) nice .build/debug/khru-models transfer $(TRANSFER_FLAGS)

# libFuzzer over parse + check + interpret + render (not part of make test): builds khru-fuzz with
# -sanitize=fuzzer in .build-fuzz, seeds it with every lesson and the bad-lesson corpus, and runs it for
# FUZZ_SECONDS with the cell language's tokens as a dictionary. Crashes land in .build-fuzz/crashes/;
# each one becomes a case of Tests/KhruTests/BadLessons.
FUZZ_SECONDS ?= 1800
FUZZ_FLAGS = -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DFUZZING
fuzz: deps
	$(SWIFT) build --build-path .build-fuzz --product khru-fuzz $(FUZZ_FLAGS)
	mkdir -p .build-fuzz/seeds .build-fuzz/corpus .build-fuzz/crashes
	for f in lessons/en/*.md lessons/th/*.md Tests/KhruTests/BadLessons/*.md; do \
	    cp "$$f" ".build-fuzz/seeds/$$(echo "$$f" | tr / _)"; done
	cd .build-fuzz/crashes && SWIFT_BACKTRACE=enable=no OPENBLAS_NUM_THREADS=1 ../debug/khru-fuzz ../corpus ../seeds \
	    -dict=../../Fuzz/khru.dict -max_len=32768 -timeout=20 -rss_limit_mb=4096 \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

# The structured fuzzer (not part of make test): khru-fuzz writes well-typed cell programs (random
# library calls over small random shapes and edge values, layers, losses, metrics, DataBlocks over tiny
# frames, Learners trained a few batches) and runs each through khru test for FUZZ_SECONDS; a program
# that ends in a signal or a hang lands in .build/fuzz-programs/crashes/ and becomes a bad-lesson case.
FUZZ_SEED ?= 1
fuzz-programs: build
	.build/debug/khru-fuzz programs --khru .build/debug/khru --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) \
	    --out .build/fuzz-programs

# Regenerate the compile-check of every lesson cell (Tests/LessonCodeTests/Lessons.swift) and of the
# test lessons under Tests/Lessons (Tests/LessonCodeTests/TestLessons.swift, fastbook's chapter 8).
lesson-code: build
	.build/debug/khru export-swift lessons/en --output Tests/LessonCodeTests/Lessons.swift \
	    --import KhruAll
	.build/debug/khru export-swift Tests/Lessons --output Tests/LessonCodeTests/TestLessons.swift \
	    --import KhruAll

clean:
	rm -rf .build output/*.html output/en output/th output/.cache
