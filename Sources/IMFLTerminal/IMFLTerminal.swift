import CNcursesw
import IMFLCore
