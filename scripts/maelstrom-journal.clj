;; Dumps a real Maelstrom run's net-journal (Fressian stripes) as JSON lines
;; in the shape of our net-journal.jsonl: {"time", "type", "message": {"id",
;; "src", "dest", "body"}}, sorted by time. Measuring only (never CI):
;;   java -cp "$(cat MAELSTROM/classpath.txt)" clojure.main \
;;     scripts/maelstrom-journal.clj STORE/broadcast/latest > journal.jsonl
(require '[maelstrom.net.journal :as j]
         '[clojure.data.fressian :as fress]
         '[cheshire.core :as json]
         '[clojure.java.io :as io])

(let [dir     (io/file (first *command-line-args*) "net-journal")
      files   (filter #(.endsWith (.getName %) ".fressian") (file-seq dir))
      events  (mapcat (fn [f]
                        (j/reader-seq
                          (fress/create-reader (io/input-stream f)
                                               :handlers j/read-handlers)))
                      files)]
  (doseq [e (sort-by :time events)]
    (let [m (:message e)]
      (println (json/generate-string
                 {:time (:time e)
                  :type (name (:type e))
                  :message {:id (:id m) :src (:src m) :dest (:dest m)
                            :body (:body m)}})))))
