# Stub: the model renders a QR code with qrencode from the layer. Answers with the tool it
# would use, as JSON.
api_handler() {
    printf '{"tool":"qrencode","input":%s}' "${1:-null}"
}
