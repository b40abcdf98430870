import Glibc
import Shared

/// Uploaded images, stored by content (`<sha256>.<ext>`) so that the same picture sent as an upload
/// and as a data URL lands in one file (PROTOCOL.md F10), and served under `/storage/`.
/// Writing is a plain blocking write of at most `maxImageSize` bytes to the local disk.
struct ImageStore {
    enum Folder: String { case messages, avatars }

    enum Failure: Error {
        case notAnImage, tooLarge, cannotWrite

        var message: String {
            switch self {
            case .notAnImage: return "not an image (PNG, JPEG, GIF or WebP expected)"
            case .tooLarge: return "image too large"
            case .cannotWrite: return "could not store the image"
            }
        }
    }

    let directory: String
    let maxSize: Int

    init(configuration: Configuration) {
        directory = configuration.storageDir
        maxSize = configuration.maxImageSize
    }

    /// Stores the bytes if they are an image; returns its root-relative URL.
    func store(_ bytes: UnsafeRawBufferPointer, in folder: Folder) -> Result<String, Failure> {
        guard bytes.count <= maxSize else { return .failure(.tooLarge) }
        guard let type = ImageType.detect(bytes) else { return .failure(.notAnImage) }
        let name = Hex.encode(SHA256.hash(bytes)) + "." + type.fileExtension
        let relative = "images/\(folder.rawValue)/\(name)"
        let path = directory + "/" + relative
        if access(path, F_OK) != 0 {
            guard (try? Directories.create(directory + "/images/" + folder.rawValue)) != nil else { return .failure(.cannotWrite) }
            // Written under a temporary name and renamed, so a reader never sees half a file.
            let temporary = path + ".tmp\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return .failure(.cannotWrite) }
            let written = FileDescriptor.writeAll(fd, bytes)
            Glibc.close(fd)
            guard written, rename(temporary, path) == 0 else {
                unlink(temporary)
                return .failure(.cannotWrite)
            }
        }
        return .success("/storage/" + relative)
    }

    /// Whether `url` names an image stored here (clients may send back a URL an upload returned).
    func contains(url: String) -> Bool {
        guard url.hasPrefix("/storage/images/"), !url.contains(".."), url.utf8.count < 300 else { return false }
        return access(directory + "/" + url.dropFirst("/storage/".count), R_OK) == 0
    }
}
