# linlearn as a SageMaker training and inference image, from Debian packages only.
#
#   docker build -t linlearn .
#   docker run --rm -v "$PWD/ml:/opt/ml" linlearn train    # SageMaker's training contract
#   docker run --rm -p 8080:8080 -v "$PWD/ml/model:/opt/ml/model" linlearn serve
#
# SageMaker runs the image with the argument `train` or `serve`; linlearn's own `train` (no
# --train, /opt/ml/input/config/hyperparameters.json present) and `serve` (no --model,
# /opt/ml/model present) take SageMaker's container mode by themselves. tests/serve/
# container_entrypoint_test.cpp runs this ENTRYPOINT against a temporary root.

FROM debian:bookworm-slim AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       build-essential cmake pkg-config \
       libeigen3-dev libcli11-dev libprotobuf-dev protobuf-compiler libspdlog-dev libfmt-dev \
       nlohmann-json3-dev libfast-float-dev zlib1g-dev libarchive-dev libcpp-httplib-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY include include
COPY src src
COPY examples examples
# One host trains (several are refused), so the image needs no MPI.
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLINLEARN_BUILD_TESTS=OFF -DLINLEARN_WITH_MPI=OFF \
    && cmake --build build -j"$(nproc)" --target linlearn \
    && strip build/linlearn

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libprotobuf32 libspdlog1.10 libfmt9 libarchive13 zlib1g libcpp-httplib0.11 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/linlearn /usr/local/bin/linlearn
EXPOSE 8080
ENTRYPOINT ["linlearn"]
