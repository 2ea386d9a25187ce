// The product's version, shown by --version of both programs and by GET /status.

public enum Version {
    public static let string = "0.1.0"
}
