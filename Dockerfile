# The API with the bundled models.
#   docker build -t autoencoder .                   CPU image: no CUDA libraries, ONNX Runtime runs on CPU
#   docker build -t autoencoder:gpu --target gpu .  CUDA 13 + cuDNN 9 image for NVIDIA hosts
#   docker run --read-only --tmpfs /tmp -p 8080:8080 autoencoder    then open http://localhost:8080/swagger
# docker/check.sh builds and runs the CPU image and checks it; SDK_IMAGE and ASPNET_IMAGE name the .NET base
# images (docker/base-images.sh builds local stand-ins for a machine that cannot pull them).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04

FROM ${ASPNET_IMAGE} AS aspnet

FROM ${SDK_IMAGE} AS build
WORKDIR /source
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY build/ build/
# Restore first, from the project files alone, so a change in the code reuses the restored packages.
COPY src/Core/Core.csproj src/Core/
COPY src/Api/Api.csproj src/Api/
RUN dotnet restore src/Api --runtime linux-x64
COPY src/Core/ src/Core/
COPY src/Api/ src/Api/
# One build, two folders: with ONNX Runtime's CUDA provider for the GPU image, without it (about 285 MB) for the CPU image.
RUN dotnet publish src/Api -c Release --runtime linux-x64 --self-contained false --no-restore -o /app/gpu \
 && dotnet publish src/Api -c Release --runtime linux-x64 --self-contained false --no-build -p:OnnxRuntimeGpuProviders=false -o /app/cpu

FROM aspnet AS cpu
WORKDIR /app
COPY --from=build /app/cpu ./
COPY models/ models/
# Nothing is written under /app; ASP.NET Core buffers large uploads in /tmp, so a read-only root needs a tmpfs there.
# ONNX Runtime 1.31 collects usage telemetry and uploads it over HTTPS; ORT_DISABLE_TELEMETRY keeps a server to itself.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Models__Directory=/app/models \
    Inference__Device=cpu \
    ORT_DISABLE_TELEMETRY=1
# 8080: HTTP (REST, the page, Swagger UI, metrics); 8081: the Open Inference Protocol over gRPC (Grpc:Port).
EXPOSE 8080 8081
USER $APP_UID
ENTRYPOINT ["dotnet", "Autoencoder.Api.dll"]

# ONNX Runtime GPU 1.31 needs the CUDA 13 and cuDNN 9 libraries; NVIDIA's runtime image has them,
# and the .NET runtime is copied in from Microsoft's image. Not built by docker/check.sh (no GPU there).
FROM ${CUDA_IMAGE} AS gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libicu74 libssl3t64 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --shell /bin/false --no-create-home app
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build /app/gpu ./
COPY models/ models/
ENV APP_UID=1654 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    ASPNETCORE_HTTP_PORTS=8080 \
    Models__Directory=/app/models \
    Inference__Device=cuda \
    ORT_DISABLE_TELEMETRY=1
# 8080: HTTP (REST, the page, Swagger UI, metrics); 8081: the Open Inference Protocol over gRPC (Grpc:Port).
EXPOSE 8080 8081
USER $APP_UID
ENTRYPOINT ["dotnet", "Autoencoder.Api.dll"]

FROM cpu
