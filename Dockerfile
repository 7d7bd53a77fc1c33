# The API with the bundled models.
#   docker build -t autoencoder .                 CPU image (ONNX Runtime falls back to CPU, and says so)
#   docker build -t autoencoder:gpu --target gpu .  CUDA 13 + cuDNN 9 image for NVIDIA hosts
#   docker run -p 8080:8080 autoencoder           then open http://localhost:8080/swagger
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/Api -c Release -o /app --runtime linux-x64 --self-contained false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS cpu
WORKDIR /app
COPY --from=build /app ./
COPY models/ models/
ENV ASPNETCORE_URLS=http://+:8080 \
    Models__Directory=/app/models
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Autoencoder.Api.dll"]

# ONNX Runtime GPU 1.31 needs the CUDA 13 and cuDNN 9 libraries; NVIDIA's runtime image has them,
# and the .NET runtime is copied in from Microsoft's image.
FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 AS gpu
RUN apt-get update && apt-get install -y --no-install-recommends libicu74 ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build /app ./
COPY models/ models/
ENV ASPNETCORE_URLS=http://+:8080 \
    Models__Directory=/app/models \
    Inference__Device=cuda
EXPOSE 8080
ENTRYPOINT ["dotnet", "Autoencoder.Api.dll"]

FROM cpu
