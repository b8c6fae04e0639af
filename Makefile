# Khru — two commands on a fresh Debian 12 machine, as root:
#   make run    install what is missing, build, prepare data, run every lesson, print where the index is
#   make test   unit tests plus every lesson as a doc-test; ends with "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := build

APT_PACKAGES := libcmark-dev libopenblas-dev libpng-dev libfreetype-dev pkg-config fonts-tlwg-loma-ttf \
                python3-pip unzip
SWIFT ?= swift
# Lessons and benchmarks use both cores; unit tests run in parallel, one BLAS thread each.
THREADS ?= 2
# One build serves run and test: numeric targets are optimized even in debug (see Package.swift),
# so lessons train at full speed without a second, release build of swift-syntax.
KHRU = .build/debug/khru

.PHONY: deps build data run test lint bench clean lesson-code

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

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

test: deps
	@bash .ci/test-all

bench: deps
	@bash bench/run

# Regenerate the compile-check of every lesson cell (Tests/LessonCodeTests/Lessons.swift).
lesson-code: build
	.build/debug/khru export-swift lessons/en --output Tests/LessonCodeTests/Lessons.swift \
	    --import KhruAll

clean:
	rm -rf .build output/*.html output/en output/th output/.cache
