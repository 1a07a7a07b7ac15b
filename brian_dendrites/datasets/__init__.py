"""The datasets the protocols learn: MNIST (:mod:`.mnist`), the bars (:mod:`.bars`) and the teacher
networks (:mod:`.teachers`)."""
