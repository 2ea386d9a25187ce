// The product's version, shown by --version and GET /status.

public enum Version {
    public static let string = "0.1.0"
}
